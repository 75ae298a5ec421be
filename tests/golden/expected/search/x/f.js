(self.siteSearchData=self.siteSearchData||{})["x/f"]={"df":"02","terms":"f"};
