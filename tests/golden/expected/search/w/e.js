(self.siteSearchData=self.siteSearchData||{})["w/e"]={"terms":"emmi enough exampl"};
